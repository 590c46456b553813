'use strict';

const horses = new Map([[1, { id: 1, name: 'Shadowfax', breed: 'andalusian' }]]);
let nextId = 2;

const horseBody = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' }, breed: { type: 'string' } },
};

module.exports = async function horseRoutes(fastify) {
  fastify.get('/', async () => {
    return [...horses.values()];
  });

  fastify.get('/:id', async (request, reply) => {
    const horse = horses.get(Number(request.params.id));
    if (!horse) {
      return reply.code(404).send({ error: 'not found' });
    }
    return horse;
  });

  fastify.post('/', { schema: { body: horseBody } }, async (request, reply) => {
    const { name, breed } = request.body;
    const horse = { id: nextId++, name, breed };
    horses.set(horse.id, horse);
    return reply.code(201).send(horse);
  });

  fastify.put('/:id', { schema: { body: horseBody } }, async (request, reply) => {
    const horse = horses.get(Number(request.params.id));
    if (!horse) {
      return reply.code(404).send({ error: 'not found' });
    }
    const { name, breed } = request.body;
    Object.assign(horse, { name, breed });
    return horse;
  });
};
