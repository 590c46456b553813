import mongoose from 'mongoose';

const hiveSchema = new mongoose.Schema({
  name: { type: String, required: true },
  colonies: { type: Number, default: 1 },
  queenMarked: Boolean,
  inspectedAt: Date,
});

const Hive = mongoose.model('Hive', hiveSchema);

export default Hive;
