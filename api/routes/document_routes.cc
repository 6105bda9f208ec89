// Documents: the OpenAPI description of this service, as built in.
#include "api/app.h"
#include "api/openapi_document.h"

namespace eventmart {

void AddDocumentRoutes(Router& router, App&) {
  router.Add("GET", "/openapi.yaml", [](const HttpRequest&, const PathParams&, Respond respond, Post) {
    respond(HttpResponse{.status = 200, .body = std::string(OpenApiDocument()), .content_type = "application/yaml"});
  });
}

}  // namespace eventmart
