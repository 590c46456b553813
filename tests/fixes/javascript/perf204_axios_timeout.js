const axios = require("axios");

async function exchangeRate(currency) {
  const { data } = await axios.get(`https://rates.example.com/v1/${encodeURIComponent(currency)}`);
  return data.rate;
}

module.exports = { exchangeRate };
