// why401 serve: send a form without leaving the page, show the probe's
// progress as it comes (server-sent events over the POST's answer) and
// put the report in place. Without this script the forms still work:
// the server answers them with a whole page.
'use strict';
(function () {
  var result = document.getElementById('result');
  var progress = document.getElementById('progress');
  var error = document.getElementById('error');

  function handle(block) {
    var ev = 'message', data = '';
    block.split('\n').forEach(function (line) {
      if (line.indexOf('event: ') === 0) ev = line.slice(7);
      else if (line.indexOf('data: ') === 0) data += line.slice(6);
    });
    if (!data) return;
    var d = JSON.parse(data);
    if (ev === 'progress') {
      var li = document.createElement('li');
      li.textContent = d.step;
      progress.appendChild(li);
    } else if (ev === 'report') {
      result.innerHTML = d.html;
      progress.hidden = true;
      var h = result.querySelector('h1');
      if (h) { h.tabIndex = -1; h.focus(); }
    } else if (ev === 'failure') {
      error.textContent = d.error;
      error.focus();
    }
  }

  function submit(form, e) {
    if (!window.fetch || !window.TextDecoder) return;
    e.preventDefault();
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    result.innerHTML = '';
    progress.innerHTML = '';
    progress.hidden = false;
    error.textContent = '';
    fetch(form.action, { method: 'POST', body: new FormData(form), headers: { Accept: 'text/event-stream' }, credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) {
          return res.json().then(function (j) { throw new Error(j.error || res.statusText); },
            function () { throw new Error(res.status + ' ' + res.statusText); });
        }
        var reader = res.body.getReader();
        var dec = new TextDecoder();
        var buf = '';
        function pump() {
          return reader.read().then(function (r) {
            if (r.done) return;
            buf += dec.decode(r.value, { stream: true });
            var i;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              handle(buf.slice(0, i));
              buf = buf.slice(i + 2);
            }
            return pump();
          });
        }
        return pump();
      })
      .catch(function (x) { error.textContent = x.message; progress.hidden = true; })
      .then(function () { button.disabled = false; });
  }

  // A file dropped anywhere on a form goes to its file input.
  function droppable(form) {
    var input = form.querySelector('input[type=file]');
    if (!input) return;
    form.addEventListener('dragover', function (e) {
      if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, 'Files') >= 0) {
        e.preventDefault();
        form.classList.add('dropping');
      }
    });
    form.addEventListener('dragleave', function () { form.classList.remove('dropping'); });
    form.addEventListener('drop', function (e) {
      form.classList.remove('dropping');
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      e.preventDefault();
      input.files = e.dataTransfer.files;
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('form.diag'), function (form) {
    form.addEventListener('submit', function (e) { submit(form, e); });
    droppable(form);
  });
  error.tabIndex = -1;
})();
