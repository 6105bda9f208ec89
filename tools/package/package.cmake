# The Debian package (`cpack -G DEB` in the build directory):
#   /usr/bin/eventmart
#   /usr/lib/systemd/system/eventmart.service   hardened unit, own user
#   /etc/default/eventmart                      settings (a conffile)
#   /usr/share/doc/eventmart/README.md
# Runtime library dependencies come from dpkg-shlibdeps.
set(pkg ${CMAKE_CURRENT_LIST_DIR})

install(TARGETS eventmart RUNTIME DESTINATION bin)
install(FILES ${pkg}/eventmart.service DESTINATION lib/systemd/system)
install(FILES ${pkg}/eventmart.default DESTINATION /etc/default RENAME eventmart)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/openapi.yaml DESTINATION share/doc/eventmart)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME eventmart)
set(CPACK_PACKAGE_VERSION ${EVENTMART_VERSION})
set(CPACK_PACKAGE_CONTACT "EventMart team <eventmart@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "EventMart order service (event-sourced CQRS over RocksDB)")
set(CPACK_PACKAGE_DESCRIPTION "An e-commerce order service: commands decided in memory and appended to a RocksDB event log, read models folded from it, an HTTP API described by /openapi.yaml; runs as the eventmart systemd service.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${pkg}/postinst ${pkg}/prerm ${pkg}/postrm ${pkg}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
