// Anjian's only script: small progressive enhancements. Every form works without it.
(function () {
  "use strict";
  // Ask before destructive actions (forms with data-confirm).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      e.preventDefault();
      return;
    }
    // Refuse an oversized file before sending it over a slow connection.
    var max = Number(form.getAttribute("data-max-bytes") || 0);
    if (max > 0) {
      var inputs = form.querySelectorAll('input[type="file"]');
      for (var i = 0; i < inputs.length; i++) {
        var files = inputs[i].files || [];
        for (var j = 0; j < files.length; j++) {
          if (files[j].size > max) {
            e.preventDefault();
            var zh = document.documentElement.lang !== "en";
            window.alert(zh ? "文件“" + files[j].name + "”超过大小上限，请压缩或拆分后再上传。"
                            : "The file \"" + files[j].name + "\" is larger than allowed.");
            return;
          }
        }
      }
    }
    // One click, one submission: a double tap on a slow phone must not post twice.
    var buttons = form.querySelectorAll('button[type="submit"]');
    window.setTimeout(function () {
      for (var k = 0; k < buttons.length; k++) buttons[k].disabled = true;
    }, 0);
  });
  // Coming back through the history cache must not leave buttons disabled.
  window.addEventListener("pageshow", function () {
    var buttons = document.querySelectorAll('button[type="submit"]');
    for (var k = 0; k < buttons.length; k++) buttons[k].disabled = false;
  });
})();
