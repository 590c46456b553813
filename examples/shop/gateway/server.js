const express = require("express");
const admin = require("./routes/admin");

const app = express();
app.use(express.json({ limit: "100kb" }));
app.use("/admin", admin);

app.get("/healthz", (req, res) => res.json({ status: "ok" }));

const port = Number(process.env.PORT || 8080);
app.listen(port, () => console.log(`gateway listening on ${port}`));
