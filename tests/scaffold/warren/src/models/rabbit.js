const mongoose = require('mongoose');

const rabbitSchema = new mongoose.Schema({
  name: { type: String, required: true },
  breed: String,
  weight: Number,
  adopted: { type: Boolean, default: false },
  born: Date,
});

module.exports = mongoose.model('Rabbit', rabbitSchema);
