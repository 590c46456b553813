'use strict';

const app = require('./app');

const port = Number(process.env.PORT || 3000);
app.listen({ port, host: '127.0.0.1' }).then(() => {
  console.log(`stable listening on ${port}`);
});
