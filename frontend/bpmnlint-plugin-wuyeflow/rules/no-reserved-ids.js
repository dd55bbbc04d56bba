// The engine uses these names for internal task specs: an element with such an id comes out empty.
const RESERVED = [ 'Start', 'End', 'Root' ];

module.exports = function() {

  function check(node, reporter) {
    if (RESERVED.includes(node.id)) {
      reporter.report(
        node.id,
        'Id <' + node.id + '> is reserved by the engine (' + RESERVED.join(', ') + '): rename it',
        [ 'id' ]
      );
    }
  }

  return { check };
};
