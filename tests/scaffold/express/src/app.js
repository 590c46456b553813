'use strict';

const express = require('express');
const { requireAuth } = require('./auth');
const Cat = require('./models/cat');

const app = express();
app.use(express.json());

app.get('/cats', requireAuth, async (req, res) => {
  const cats = await Cat.find({ owner: req.user.id });
  res.json(cats);
});

app.get('/cats/:id', requireAuth, async (req, res) => {
  const cat = await Cat.findById(req.params.id);
  if (!cat) {
    return res.status(404).json({ error: 'not found' });
  }
  res.json(cat);
});

app.post('/cats', async (req, res) => {
  const { name, age } = req.body;
  const cat = await Cat.create({ name, age, owner: req.user.id });
  res.status(201).json({ id: cat.id, name: cat.name });
});

module.exports = app;
