const mongoose = require('mongoose');

const catSchema = new mongoose.Schema({
  name: { type: String, required: true },
  age: Number,
  color: { type: String, default: 'black' },
  adopted: { type: Boolean, default: false },
  birthday: Date,
});

module.exports = mongoose.model('Cat', catSchema);
