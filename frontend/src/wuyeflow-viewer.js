// window.WuyeFlowViewer: bpmn-js NavigatedViewer (zoom and pan) for showing where a case stands.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

const MARKERS = [ 'wf-current', 'wf-finished', 'wf-overdue' ];

function create(container, options = {}) {
  return new NavigatedViewer({ ...options, container });
}

/** Add `marker` (a CSS class, e.g. "wf-current") to each element id that is on the diagram. */
function mark(viewer, ids, marker) {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  return ids.filter((id) => {
    if (!registry.get(id)) {
      return false;
    }
    canvas.addMarker(id, marker);
    return true;
  });
}

/** Remove our markers from every element. */
function clearMarks(viewer) {
  const canvas = viewer.get('canvas');
  viewer.get('elementRegistry').forEach((element) => {
    MARKERS.forEach((marker) => canvas.removeMarker(element, marker));
  });
}

window.WuyeFlowViewer = Object.freeze({
  create,
  mark,
  clearMarks,
  markers: MARKERS,
  NavigatedViewer,
  versions: __WUYEFLOW_VERSIONS__
});
