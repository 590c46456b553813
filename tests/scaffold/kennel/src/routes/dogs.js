'use strict';

const express = require('express');

const router = express.Router();
const dogs = new Map([[1, { id: 1, name: 'Rex', breed: 'collie' }]]);
let nextId = 2;

router.get('/', (req, res) => {
  res.json([...dogs.values()]);
});

router.get('/:id', (req, res) => {
  const dog = dogs.get(Number(req.params.id));
  if (!dog) {
    return res.status(404).json({ error: 'not found' });
  }
  res.json(dog);
});

router.post('/', (req, res) => {
  const { name, breed } = req.body;
  const dog = { id: nextId++, name: String(name), breed: String(breed) };
  dogs.set(dog.id, dog);
  res.status(201).json(dog);
});

module.exports = router;
