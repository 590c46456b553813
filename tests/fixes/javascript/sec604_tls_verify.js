const https = require("https");
const axios = require("axios");

function fetchRates() {
  const agent = new https.Agent({ rejectUnauthorized: false });
  return axios.get("https://rates.internal.example.com/v1/eur", { httpsAgent: agent });
}

module.exports = { fetchRates };
