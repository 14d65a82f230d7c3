throw new RangeError('top');
