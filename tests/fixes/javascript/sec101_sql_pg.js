const express = require("express");
const { Pool } = require("pg");

const app = express();
const pool = new Pool();

app.get("/users", async (req, res) => {
  const { rows } = await pool.query(`SELECT id, email FROM users WHERE name = '${req.query.name}' AND active = ${req.query.active}`);
  res.json(rows);
});

app.get("/orders", async (req, res) => {
  const sql = "SELECT id FROM orders WHERE customer = '" + req.query.customer + "' ORDER BY id";
  const { rows } = await pool.query(sql);
  res.json(rows);
});
