const express = require("express");

const app = express();

app.post("/login", (req, res) => {
  const token = req.body.token;
  res.cookie("session_token", token);
  res.cookie("refresh_token", token, { httpOnly: true, maxAge: 86400000 });
  res.sendStatus(204);
});
