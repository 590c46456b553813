const express = require("express");
const multer = require("multer");

const app = express();
app.use(express.json({ limit: "50mb" }));

const upload = multer({ dest: "uploads/" });
const avatars = multer();

app.post("/avatar", avatars.single("avatar"), (req, res) => res.sendStatus(204));
app.post("/documents", upload.array("files"), (req, res) => res.sendStatus(204));

module.exports = app;
