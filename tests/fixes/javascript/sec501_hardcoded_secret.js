const jwt = require("jsonwebtoken");

const JWT_SECRET = "s3cr3t-Signing-K3y-2024";
const config = {
  db: { host: "db.internal", password: "Tr0ub4dor&3-orders" },
};

function sign(user) {
  return jwt.sign({ sub: user.id }, JWT_SECRET, { expiresIn: "15m" });
}

module.exports = { sign, config };
