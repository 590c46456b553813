const mongoose = require('mongoose');
const app = require('./app');

const port = process.env.PORT || 8080;

mongoose.connect(process.env.MONGODB_URI).then(() => {
  app.listen(port, () => console.log(`listening on ${port}`));
});
