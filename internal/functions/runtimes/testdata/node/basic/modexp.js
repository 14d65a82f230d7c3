module.exports = async () => 1;
