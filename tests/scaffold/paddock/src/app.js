'use strict';

const Fastify = require('fastify');
const mercurius = require('mercurius');

const { resolvers, schema } = require('./graphql/schema');

const app = Fastify({ logger: false });

app.register(mercurius, {
  schema,
  resolvers,
  context: (request) => ({
    user: request.headers.authorization ? { name: 'groom' } : null,
  }),
  graphiql: process.env.NODE_ENV !== 'production',
});

module.exports = app;
