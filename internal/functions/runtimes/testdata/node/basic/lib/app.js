exports.handlers = { get: async () => 'g' };
