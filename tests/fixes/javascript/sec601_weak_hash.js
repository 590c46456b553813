const crypto = require("crypto");

function signUpload(body) {
  return crypto.createHash("sha1").update(body).digest("hex");
}

module.exports = { signUpload };
