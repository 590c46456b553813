'use strict';

const horses = new Map([[1, { id: 1, name: 'Shadowfax', breed: 'andalusian' }]]);
let nextId = 2;

const horseProperties = {
  name: { type: 'string', minLength: 1, maxLength: 60 },
  breed: { type: 'string', enum: ['andalusian', 'arabian', 'friesian', 'mustang'] },
  foaled: { type: 'string', format: 'date' },
  heightHands: { type: 'number', minimum: 9, maximum: 19 },
};

const horseBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: horseProperties,
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
    const { name, breed, foaled, heightHands } = request.body;
    const horse = { id: nextId++, name, breed, foaled, heightHands };
    horses.set(horse.id, horse);
    return reply.code(201).send(horse);
  });

  fastify.put('/:id', { schema: { body: horseBody } }, async (request, reply) => {
    const horse = horses.get(Number(request.params.id));
    if (!horse) {
      return reply.code(404).send({ error: 'not found' });
    }
    const { name, breed, foaled, heightHands } = request.body;
    Object.assign(horse, { name, breed, foaled, heightHands });
    return horse;
  });
};
