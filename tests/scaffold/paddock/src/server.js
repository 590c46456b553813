'use strict';

const mongoose = require('mongoose');

const app = require('./app');

async function main() {
  await mongoose.connect(process.env.MONGODB_URI);
  await app.listen({ port: Number(process.env.PORT || 3000), host: '127.0.0.1' });
}

main();
