const express = require("express");
const mysql = require("mysql2");

const app = express();
const connection = mysql.createConnection({ host: "db", user: "shop", database: "shop" });

app.get("/products", (req, res) => {
  connection.query(`SELECT id, title FROM products WHERE category = '${req.query.category}'`, (err, rows) => {
    if (err) return res.sendStatus(500);
    res.json(rows);
  });
});
