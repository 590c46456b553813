'use strict';

const Fastify = require('fastify');
const horses = require('./routes/horses');

const app = Fastify({ logger: false });

async function requireToken(request, reply) {
  if (request.headers.authorization !== `Bearer ${process.env.ADMIN_TOKEN}`) {
    reply.code(401).send({ error: 'unauthorized' });
  }
}

app.register(horses, { prefix: '/api/horses' });

app.get('/api/admin/stats', { onRequest: [requireToken] }, async () => {
  return { horses: 1 };
});

module.exports = app;
