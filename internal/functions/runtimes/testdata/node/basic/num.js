exports.handler = 5;
