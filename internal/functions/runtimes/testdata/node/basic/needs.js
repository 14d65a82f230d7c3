const pad = require('left-pad');
exports.handler = async () => pad('x', 3);
