// Starts Swagger UI on /schema/swagger from a file, not an inline script: the page's
// Content-Security-Policy allows scripts from this server only.
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "/schema/openapi.json",
    dom_id: "#swagger-container",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // the public validator is another site: nothing leaves the network
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
