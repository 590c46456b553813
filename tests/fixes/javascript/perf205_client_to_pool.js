const express = require("express");
const { Client } = require("pg");
const { MongoClient } = require("mongodb");

const router = express.Router();

router.get("/orders", async (req, res) => {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT id, total FROM orders WHERE status = $1", [req.query.status]);
    res.json(rows);
  } finally {
    await client.end();
  }
});

router.get("/reviews", async (req, res, next) => {
  const mongo = new MongoClient(process.env.MONGODB_URI);
  try {
    await mongo.connect();
    const reviews = await mongo.db("shop").collection("reviews").find().limit(50).toArray();
    res.json(reviews);
  } catch (err) {
    next(err);
  } finally {
    await mongo.close();
  }
});

// Not fixed: a transaction needs every query on the same connection.
router.post("/transfers", async (req, res) => {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("UPDATE accounts SET balance = balance - $1 WHERE id = $2", [req.body.amount, req.body.from]);
    await client.query("UPDATE accounts SET balance = balance + $1 WHERE id = $2", [req.body.amount, req.body.to]);
    await client.query("COMMIT");
    res.status(201).end();
  } finally {
    await client.end();
  }
});

module.exports = router;
