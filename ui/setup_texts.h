// SPDX-License-Identifier: GPL-3.0-or-later
// What the setup panel calls each config key, choice and section, and where each key sits.
#pragma once

#include "config/config_schema.h"

#include <QString>

#include <string>
#include <utility>
#include <vector>

namespace tpgm::ui {

// The id of the panel's first section, which holds important_keys().
extern const char* const kRunSection;
// The rows at the top of the panel, in this order; every other key sits in its section.
const std::vector<std::string>& important_keys();
// The row label of a key ("Learning rate" for optim.lr; else its last part, capitalised).
QString label_for(const std::string& key);
// A choice's text in a combo box ("Vanilla fine-tuning" for method=ft; else the value).
QString choice_text(const std::string& key, const std::string& value);
// Section ids in panel order and their titles; sections the schema adds later follow them.
const std::vector<std::pair<QString, QString>>& known_sections();
// Sections shown folded when the panel opens.
bool collapsed_by_default(const QString& id);
// The section a field belongs to.
QString section_id(const ConfigFieldInfo& f);

}  // namespace tpgm::ui
