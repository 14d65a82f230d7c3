exports.handler = async () => 'js';
