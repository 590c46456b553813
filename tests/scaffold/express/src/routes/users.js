const express = require('express');
const { requireAuth } = require('../auth');

const router = express.Router();
const users = [];

router.get('/users', requireAuth, (req, res) => {
  res.json(users);
});

router.get('/users/:id', (req, res) => {
  const user = users.find((u) => u.id === Number(req.params.id));
  res.json({ id: user.id, name: user.name });
});

module.exports = router;
