const crypto = require("crypto");

function resetToken() {
  return crypto.pseudoRandomBytes(16).toString("hex");
}

module.exports = { resetToken };
