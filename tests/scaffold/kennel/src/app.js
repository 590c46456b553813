'use strict';

const express = require('express');
const dogs = require('./routes/dogs');
const { requireToken } = require('./auth');

const app = express();
app.use(express.json());
app.use('/api/dogs', dogs);

app.get('/api/admin/stats', requireToken, (req, res) => {
  res.json({ dogs: 1 });
});

module.exports = app;
