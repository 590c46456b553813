const mongoose = require('mongoose');

const parrotSchema = new mongoose.Schema({
  name: { type: String, required: true },
  species: { type: String, required: true },
  band: String,
  hatched: Date,
  talks: { type: Boolean, default: false },
});

module.exports = mongoose.model('Parrot', parrotSchema);
