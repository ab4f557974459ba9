/* The interview room: starts the Jitsi Meet IFrame API with values from the page's
   data- attributes, so the page needs no inline script (Content-Security-Policy). */
(function () {
  "use strict";
  var node = document.getElementById("jitsi-room");
  if (!node) {
    return;
  }
  if (typeof window.JitsiMeetExternalAPI !== "function") {
    // external_api.js did not load (network, blocked): the plain links still work.
    var notice = document.getElementById("jitsi-unavailable");
    if (notice) {
      notice.hidden = false;
    }
    return;
  }
  var options = {
    roomName: node.dataset.room,
    parentNode: node,
    width: "100%",
    height: "100%",
    userInfo: { displayName: node.dataset.displayName },
    configOverwrite: {
      // For weak connections: video off at first, and small when switched on.
      startWithVideoMuted: true,
      startWithAudioMuted: false,
      resolution: 360,
      constraints: { video: { height: { ideal: 360, max: 360, min: 180 } } },
      // The page already offers its own link to the mobile app.
      disableDeepLinking: true
    }
  };
  if (node.dataset.jwt) {
    options.jwt = node.dataset.jwt;
  }
  window.faircorridorInterview = new window.JitsiMeetExternalAPI(node.dataset.domain, options);
})();
