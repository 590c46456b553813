const express = require("express");
const cors = require("cors");

const app = express();
app.use(cors());
app.options("/public", cors({ origin: "*" }));
app.use("/api", cors({ methods: ["GET", "POST"] }));

module.exports = app;
