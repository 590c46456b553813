'use strict';

function requireToken(req, res, next) {
  if (req.get('Authorization') !== `Bearer ${process.env.ADMIN_TOKEN}`) {
    return res.status(401).json({ error: 'unauthorized' });
  }
  next();
}

module.exports = { requireToken };
