// SPDX-License-Identifier: GPL-3.0-or-later
// The setup panel's sections: a titled group of form rows that folds away behind its header.
#pragma once

#include <QFont>
#include <QFormLayout>
#include <QFrame>
#include <QSignalBlocker>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWidget>

namespace tpgm::ui {

// A titled group of form rows that folds away behind its header.
class CollapsibleSection : public QWidget {
  public:
    CollapsibleSection(const QString& title, bool expanded, QWidget* parent) : QWidget(parent) {
        header_ = new QToolButton(this);
        header_->setText(title);
        header_->setCheckable(true);
        header_->setAutoRaise(true);
        header_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        header_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        QFont bold = header_->font();
        bold.setBold(true);
        header_->setFont(bold);
        auto* line = new QFrame(this);
        line->setFrameShape(QFrame::HLine);
        line->setFrameShadow(QFrame::Sunken);
        body_ = new QWidget(this);
        form_ = new QFormLayout(body_);
        form_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        form_->setVerticalSpacing(3);
        form_->setContentsMargins(8, 2, 2, 6);
        auto* v = new QVBoxLayout(this);
        v->setContentsMargins(0, 0, 0, 0);
        v->setSpacing(0);
        v->addWidget(header_);
        v->addWidget(line);
        v->addWidget(body_);
        connect(header_, &QToolButton::toggled, this, [this](bool on) { setExpanded(on); });
        setExpanded(expanded);
    }
    QFormLayout* form() const { return form_; }
    void setExpanded(bool on) {
        const QSignalBlocker block(header_);
        header_->setChecked(on);
        header_->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
        body_->setVisible(on);
    }

  private:
    QToolButton* header_;
    QWidget* body_;
    QFormLayout* form_;
};

}  // namespace tpgm::ui
