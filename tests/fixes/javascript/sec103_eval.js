const express = require("express");

const app = express();
app.use(express.text());

app.post("/filters", (req, res) => {
  const filters = eval(req.body);
  res.json({ filters });
});
