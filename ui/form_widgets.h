// SPDX-License-Identifier: GPL-3.0-or-later
// Form editors that leave the mouse wheel to the scroll area they sit in unless they have focus
// (a combo box or spin box under the pointer must not change while the panel scrolls).
#pragma once

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QWheelEvent>

namespace tpgm::ui {

template <typename Base>
class FocusWheel : public Base {
  public:
    explicit FocusWheel(QWidget* parent = nullptr) : Base(parent) {
        this->setFocusPolicy(Qt::StrongFocus);
    }

  protected:
    void wheelEvent(QWheelEvent* event) override {
        if (this->hasFocus())
            Base::wheelEvent(event);
        else
            event->ignore();  // passes on to the scroll area
    }
};

using WheelSafeComboBox = FocusWheel<QComboBox>;
using WheelSafeSpinBox = FocusWheel<QSpinBox>;
using WheelSafeDoubleSpinBox = FocusWheel<QDoubleSpinBox>;

}  // namespace tpgm::ui
