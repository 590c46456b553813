'use strict';

const Router = require('@koa/router');

const router = new Router({ prefix: '/api/rabbits' });

const rabbits = new Map([[1, { id: 1, name: 'Thumper', colour: 'grey' }]]);
let nextId = 2;

router.get('/', async (ctx) => {
  ctx.body = [...rabbits.values()];
});

router.get('/:id', async (ctx) => {
  const rabbit = rabbits.get(Number(ctx.params.id));
  if (!rabbit) {
    ctx.status = 404;
    ctx.body = { error: 'not found' };
    return;
  }
  ctx.body = rabbit;
});

router.post('/', async (ctx) => {
  const { name, colour } = ctx.request.body;
  const rabbit = { id: nextId++, name, colour };
  rabbits.set(rabbit.id, rabbit);
  ctx.status = 201;
  ctx.body = rabbit;
});

router.put('/:id', async (ctx) => {
  const rabbit = rabbits.get(Number(ctx.params.id));
  if (!rabbit) {
    ctx.throw(404, 'not found');
  }
  Object.assign(rabbit, ctx.request.body, { id: rabbit.id });
  ctx.body = rabbit;
});

module.exports = router;
