// SPDX-License-Identifier: GPL-3.0-or-later
// The method registry (config/methods.h) is the one list of methods: a method registered there
// (a dummy, before anything reads the config schema) is a config choice with its help text, a
// choice of the window's method list with its title, an entry of the compare view (ticked or not as
// registered) and ranked after the built-ins in comparisons.
#include "config/config_schema.h"
#include "config/methods.h"
#include "ui/compare_view.h"
#include "ui/setup_panel.h"

#include <QComboBox>
#include <QtTest/QtTest>

#include <algorithm>
#include <stdexcept>

using namespace tpgm;

class TestMethodRegistry : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        MethodInfo dummy;
        dummy.name = "dummy";
        dummy.title = "Dummy method (test)";
        dummy.help = "a method only this test knows";
        dummy.compared_by_default = true;
        dummy.compare_variant = "seed=7";
        dummy.variant_title = "seven";
        register_method(dummy);
    }

    void isAConfigChoice() {
        const ConfigFieldInfo* field = find_config_field("method");
        QVERIFY(field);
        QVERIFY(std::count(field->choices.begin(), field->choices.end(), "dummy") == 1);
        QCOMPARE(field->choices.front(), RunConfig{}.method);  // the default stays first
        QVERIFY(field->doc.find("dummy (a method only this test knows)") != std::string::npos);
        RunConfig c;
        apply_override(c, "method=dummy");
        const auto issues = validate(c);
        QVERIFY(std::none_of(issues.begin(), issues.end(),
                             [](const ConfigIssue& i) { return i.key == "method"; }));
    }

    void registrationClosesOnceTheSchemaIsBuilt() {
        MethodInfo late;
        late.name = "late";
        QVERIFY_THROWS_EXCEPTION(std::logic_error, register_method(late));
        QVERIFY(!find_method("late"));
    }

    void isInTheWindowsMethodList() {
        ui::SetupPanel panel;
        auto* combo = panel.findChild<QComboBox*>("field:method");
        QVERIFY(combo);
        const int at = combo->findData("dummy");
        QVERIFY(at >= 0);
        QCOMPARE(combo->itemText(at), QString("Dummy method (test)"));
    }

    void isInTheCompareView() {
        QVERIFY(ui::CompareView::offeredEntries().contains("dummy"));
        QVERIFY(ui::CompareView::offeredEntries().contains("dummy@seed=7"));
        QVERIFY(ui::CompareView::defaultEntries().contains("dummy"));
        QCOMPARE(method_rank("dummy"), methods().size() - 1);  // after the built-ins
        QCOMPARE(method_of_entry("dummy_seed_7"), std::string("dummy"));
    }
};

QTEST_MAIN(TestMethodRegistry)
#include "test_method_registry.moc"
