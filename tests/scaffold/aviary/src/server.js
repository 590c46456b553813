const express = require('express');
const { createHandler } = require('graphql-http/lib/use/express');
const mongoose = require('mongoose');

const { schema } = require('./graphql/schema');

const app = express();

app.all(
  '/graphql',
  createHandler({
    schema,
    context: (req) => ({ user: req.raw.headers.authorization ? { name: 'keeper' } : null }),
  }),
);

mongoose.connect(process.env.MONGODB_URI).then(() => {
  app.listen(Number(process.env.PORT || 4000));
});
