# SPDX-License-Identifier: GPL-3.0-or-later
# What `cmake --install` puts where, and the Debian package CPack builds from it
# (packaging/package.sh). Paths follow the FHS; the engine looks for the class lists in
# /usr/share/tpgm-workbench/datasets (data/imagenet_subsets.cpp).
include(GNUInstallDirs)
set(TPGM_SHARE ${CMAKE_INSTALL_DATADIR}/tpgm-workbench)
install(FILES ${PROJECT_SOURCE_DIR}/datasets/imagenet_wnids.txt
              ${PROJECT_SOURCE_DIR}/datasets/imagenet_a_wnids.txt
              ${PROJECT_SOURCE_DIR}/datasets/imagenet_r_wnids.txt
              ${PROJECT_SOURCE_DIR}/datasets/README.md
        DESTINATION ${TPGM_SHARE}/datasets)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/configs/ DESTINATION ${TPGM_SHARE}/configs)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/tpgm-workbench)
# packaging/package.sh writes the changelog Debian policy asks for; a plain install has none.
install(FILES ${CMAKE_BINARY_DIR}/package/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/tpgm-workbench OPTIONAL)
# Written by package.sh with help2man from each program's --help.
install(FILES ${CMAKE_BINARY_DIR}/package/man/tpgm-cli.1.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 OPTIONAL)
if(TPGM_BUILD_GUI)
  install(FILES ${CMAKE_BINARY_DIR}/package/man/tpgm-workbench.1.gz
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 OPTIONAL)
endif()
if(TPGM_BUILD_GUI)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/tpgm-workbench.desktop
          DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/tpgm-workbench.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tpgm-workbench)
set(CPACK_PACKAGE_VENDOR "TPGM Workbench contributors")
set(CPACK_PACKAGE_CONTACT "TPGM Workbench maintainers <maintainers@users.noreply.r-seed-bc9ed205.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "robust fine-tuning workbench for pre-trained vision models")
# Debian wraps nothing: the extended lines stay under 80 columns.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "A desktop workbench and a command-line tool for robust fine-tuning of\n\
pre-trained vision models: TPGM (trainable projected gradient method) and\n\
the rest of the robust fine-tuning family (LP-FT, L2-SP, WiSE-FT, FTP, SPD)\n\
under one engine, with live per-layer radii, ID and OOD accuracy,\n\
corruptions and a side-by-side comparison. Includes an offline demo\n\
benchmark built from Fashion-MNIST.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # tpgm-workbench_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries the programs link (LibTorch, Qt, OpenCV, ...) become Depends through
# dpkg-shlibdeps; OpenBLAS's threaded build is a runtime choice, the demo images a data package.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread | libopenblas0")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dataset-fashion-mnist")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
include(CPack)
