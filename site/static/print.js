/* Printing shows every fold: each <details> of the page is opened (and shown, if a script hid it,
   as the study site hides the hints not yet reached) before printing, and afterwards each is as the
   reader left it. A fold marked data-print="as-is" is printed as it is (the quiz's explanations:
   printing must not give the answers away). Shared by the reports and the study site; plain DOM,
   no dependencies. */
(function () {
  "use strict";
  var folds = [];

  window.addEventListener("beforeprint", function () {
    if (folds.length) { return; }  // already unfolded: keep the reader's state, not this one
    var shown = document.querySelectorAll('details:not([data-print="as-is"])');
    folds = Array.prototype.map.call(shown, function (d) {
      var fold = { details: d, open: d.open, hidden: d.hidden };
      d.hidden = false;
      d.open = true;
      return fold;
    });
  });

  window.addEventListener("afterprint", function () {
    folds.forEach(function (fold) {
      fold.details.open = fold.open;
      fold.details.hidden = fold.hidden;
    });
    folds = [];
  });
}());
