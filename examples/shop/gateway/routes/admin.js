const express = require("express");
const { exec, execFile } = require("child_process");

const router = express.Router();

router.get("/disk", (req, res) => {
  execFile("df", ["-h", "/srv"], (err, stdout) => {
    if (err) return res.status(500).json({ error: "df failed" });
    res.type("text/plain").send(stdout);
  });
});

router.post("/logs/search", (req, res) => {
  const pattern = req.body.pattern;
  exec(`grep -r "${pattern}" /var/log/shop`, (err, stdout) => {
    res.type("text/plain").send(stdout || "");
  });
});

module.exports = router;
