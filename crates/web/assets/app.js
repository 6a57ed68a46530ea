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
  // Forms marked data-upload send their files first, in parts, through /api/v1/uploads: the bar shows
  // progress, and a dropped connection or a closed tab resumes where it stopped (the upload's id is kept
  // in localStorage under the file's name, size and date). The form then goes with the files' ids only.
  var CHUNK = 4 << 20;
  function zh() { return document.documentElement.lang !== "en"; }
  function send(method, url, csrf, body, headers, onProgress) {
    return new Promise(function (resolve, reject) {
      var x = new XMLHttpRequest();
      x.open(method, url);
      x.setRequestHeader("x-csrf-token", csrf);
      for (var h in headers) x.setRequestHeader(h, headers[h]);
      if (onProgress) x.upload.onprogress = function (e) { onProgress(e.loaded); };
      x.onload = function () { resolve(x); };
      x.onerror = x.ontimeout = function () { reject(new Error("network")); };
      x.send(body);
    });
  }
  function json(x) { try { return JSON.parse(x.responseText); } catch (e) { return {}; } }
  function uploadOne(file, csrf, onBytes) {
    var key = "anjian-upload:" + file.name + ":" + file.size + ":" + file.lastModified;
    var start = function () {
      var saved = window.localStorage.getItem(key);
      if (saved) {
        return send("GET", "/api/v1/uploads/" + saved, csrf, null, {}).then(function (x) {
          if (x.status === 200) return json(x);
          window.localStorage.removeItem(key);
          return start();
        });
      }
      var body = JSON.stringify({ name: file.name, size: file.size });
      return send("POST", "/api/v1/uploads", csrf, body, { "content-type": "application/json" }).then(function (x) {
        var u = json(x);
        if (x.status !== 201) throw new Error((u.error && u.error.message) || "upload");
        window.localStorage.setItem(key, u.id);
        return u;
      });
    };
    var conflicts = 0;
    var step = function (u) {
      if (u.file) { window.localStorage.removeItem(key); return u.file; }
      var end = Math.min(u.offset + CHUNK, file.size);
      return send("PATCH", "/api/v1/uploads/" + u.id, csrf, file.slice(u.offset, end),
        { "upload-offset": String(u.offset), "content-type": "application/offset+octet-stream" },
        function (n) { onBytes(u.offset + n); }).then(function (x) {
          var r = json(x);
          if (x.status === 200 || x.status === 201) { conflicts = 0; onBytes(r.offset); return step(r); }
          if (x.status === 409 && ++conflicts < 5) {
            // Out of step (another tab, a retried part): ask where the bytes end and go on from there.
            return send("GET", "/api/v1/uploads/" + u.id, csrf, null, {}).then(function (g) { return step(json(g)); });
          }
          window.localStorage.removeItem(key);
          throw new Error((r.error && r.error.message) || "upload");
        });
    };
    return start().then(step);
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute("data-upload") || e.defaultPrevented || !window.FormData || !window.Promise) return;
    var input = form.querySelector('input[type="file"]');
    var files = input && input.files ? Array.prototype.slice.call(input.files) : [];
    if (!files.length) return;
    e.preventDefault();
    var csrf = form.getAttribute("data-csrf") || "";
    var bar = form.querySelector(".upload-progress");
    var status = form.querySelector(".upload-status");
    var total = files.reduce(function (a, f) { return a + f.size; }, 0) || 1;
    var done = 0;
    if (bar) bar.hidden = false;
    if (status) status.textContent = zh() ? "正在上传…" : "Uploading…";
    var chain = Promise.resolve([]);
    files.forEach(function (f) {
      chain = chain.then(function (ids) {
        return uploadOne(f, csrf, function (n) {
          if (bar) bar.value = Math.floor(100 * (done + n) / total);
        }).then(function (stored) { done += f.size; ids.push(stored.id); return ids; });
      });
    });
    chain.then(function (ids) {
      ids.forEach(function (id) {
        var h = document.createElement("input");
        h.type = "hidden"; h.name = "file_id"; h.value = id;
        form.appendChild(h);
      });
      input.disabled = true;
      if (status) status.textContent = zh() ? "文件已上传，正在提交…" : "Files uploaded; sending…";
      form.removeAttribute("data-upload");
      HTMLFormElement.prototype.submit.call(form);
    }).catch(function (err) {
      var buttons = form.querySelectorAll('button[type="submit"]');
      for (var k = 0; k < buttons.length; k++) buttons[k].disabled = false;
      if (status) status.textContent = (zh() ? "上传中断，请检查网络后再点提交，已上传的部分会保留。"
        : "The upload stopped; check the connection and send again. What was uploaded is kept.") +
        (err && err.message && err.message !== "network" && err.message !== "upload" ? "（" + err.message + "）" : "");
    });
  });
  // Coming back through the history cache must not leave buttons disabled.
  // The report form's "use my location": the phone's position into the hidden lat/lon fields, if allowed.
  var locate = document.querySelector("[data-locate]");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      var status = document.querySelector("[data-geo-status]");
      navigator.geolocation.getCurrentPosition(function (p) {
        document.querySelector('[data-geo="lat"]').value = p.coords.latitude.toFixed(6);
        document.querySelector('[data-geo="lon"]').value = p.coords.longitude.toFixed(6);
        if (status) status.textContent = locate.getAttribute("data-ok") + "（" + p.coords.latitude.toFixed(4) + ", " + p.coords.longitude.toFixed(4) + "）";
      }, function () {
        if (status) status.textContent = locate.getAttribute("data-fail");
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
  window.addEventListener("pageshow", function () {
    var buttons = document.querySelectorAll('button[type="submit"]');
    for (var k = 0; k < buttons.length; k++) buttons[k].disabled = false;
  });
})();
