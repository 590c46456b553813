'use strict';

const mongoose = require('mongoose');

const ponySchema = new mongoose.Schema({
  name: { type: String, required: true },
  heightHands: { type: Number, required: true },
  breed: String,
  fedAt: Date,
});

module.exports = mongoose.model('Pony', ponySchema);
