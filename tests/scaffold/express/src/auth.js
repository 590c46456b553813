const jwt = require('jsonwebtoken');

const { JWT_SECRET, JWT_ISSUER = 'cats-api' } = process.env;

function requireAuth(req, res, next) {
  const token = (req.get('Authorization') || '').replace(/^Bearer /, '');
  try {
    req.user = jwt.verify(token, JWT_SECRET, { algorithms: ['HS256'], issuer: JWT_ISSUER });
    next();
  } catch (err) {
    res.status(401).json({ error: 'unauthorized' });
  }
}

module.exports = { requireAuth };
