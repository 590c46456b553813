const jwt = require("jsonwebtoken");

function issueToken(user) {
  return jwt.sign({ sub: user.id, role: user.role }, process.env.JWT_SECRET);
}

module.exports = { issueToken };
