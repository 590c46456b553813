const express = require("express");
const { Pool } = require("pg");
const Redis = require("ioredis");

const router = express.Router();

router.get("/orders", async (req, res, next) => {
  try {
    const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
    const { rows } = await pool.query("SELECT id, total FROM orders LIMIT 50");
    res.json(rows);
  } catch (err) {
    next(err);
  }
});

router.get("/hits", async (req, res, next) => {
  try {
    const redis = new Redis(process.env.REDIS_URL);
    res.json({ hits: await redis.incr("hits") });
  } catch (err) {
    next(err);
  }
});

// Not fixed: the handler ends its pool, a shared one would be ended for everyone.
router.get("/audit", async (req, res, next) => {
  try {
    const pool = new Pool({ connectionString: process.env.DATABASE_URL });
    const { rows } = await pool.query("SELECT id FROM audit LIMIT 10");
    await pool.end();
    res.json(rows);
  } catch (err) {
    next(err);
  }
});

// Not fixed: the connection string depends on the request.
router.get("/tenants/:tenant/orders", async (req, res, next) => {
  try {
    const url = `postgres://db/${req.params.tenant}`;
    const pool = new Pool({ connectionString: url });
    const { rows } = await pool.query("SELECT id FROM orders LIMIT 50");
    res.json(rows);
  } catch (err) {
    next(err);
  }
});

module.exports = router;
